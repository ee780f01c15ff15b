"""Kind bundles: the declarations of kinds that belong together, the SQL views built on them, and how each view
is exported, in one folder and without Python. Read and validated at start-up; a broken bundle stops the
service with the file and the reason.

A bundle is a subfolder of a kinds folder (services/kinds/ or `kinds_dir`) holding a `bundle.toml`; the
folder's name is the bundle's name:

    <bundle>/bundle.toml                 the manifest: a description, and per view its export and presentation
    <bundle>/*.toml                      its kind declarations (as in services/declarations.py)
    <bundle>/views/NNN_<view>.sql        one query each; `--analysis` creates the views in dependency order
    <bundle>/warehouse/NNN_*.sql         optional: `--pipeline` runs it for each new file of every kind of the bundle
    <bundle>/warehouse/<kind>/NNN_*.sql  optional: the same, for one kind's files

A TOML file directly in a kinds folder stays a kind of its own, outside any bundle. `disabled_bundles` turns
bundles off: their kinds are not recognised (files of them are quarantined as unknown), their views are not
made or exported, their warehouse steps do not run; their tables stay.
"""

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, model_validator

from core.config import Settings
from core.errors import ConfigError
from services.declarations import KindDeclaration, check_stage_targets, load_declarations, parse_declaration
from services.export_files import ExportFormat, FileTemplate, parse_file_template
from services.presentation import Presentation, parse_presentation
from services.sql_steps import Step, load_steps, view_name
from services.view_order import order_views, query_of

MANIFEST_FILE: Final = "bundle.toml"
VIEWS_FOLDER: Final = "views"
WAREHOUSE_FOLDER: Final = "warehouse"
_BUNDLE_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class ViewManifest(BaseModel):
    """How one view of a bundle is exported and presented."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    export: bool = True
    format: ExportFormat = "csv"
    file: str | None = None  # a name or a template such as "stats_{year}.json"; default "<view>.<format>"
    description: str | None = None  # one sentence for the report: the question the view answers
    # How the report draws it, in the keys of sql/analysis/report.toml (services/presentation.py) with the
    # chart's kind as `kind`: { kind = "timeseries", x = "day", y = "consumption_kwh", series = "nmi" }.
    chart: dict[str, JsonValue] | None = None

    @model_validator(mode="after")
    def _check_file(self) -> "ViewManifest":
        if self.file is not None:
            parse_file_template(self.file, self.format)
        return self


class BundleManifest(BaseModel):
    """A bundle's `bundle.toml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = ""
    views: dict[str, ViewManifest] = Field(default_factory=dict)


@dataclass(frozen=True)
class BundleView:
    """A view of a bundle: its query, and how it is exported."""

    bundle: str
    name: str
    source: str  # `<bundle>/views/NNN_<view>.sql`, for messages
    query: str
    manifest: ViewManifest

    @property
    def file(self) -> FileTemplate:
        """The export file's name or template."""
        return parse_file_template(self.manifest.file or f"{self.name}.{self.manifest.format}", self.manifest.format)

    @property
    def presentation(self) -> Presentation:
        """How the report draws the view: its manifest's description and chart, as the report's spec."""
        return presentation_of(self.name, self.manifest, self.source)


def presentation_of(name: str, manifest: ViewManifest, source: str) -> Presentation:
    """A view's manifest entry as a presentation spec; ConfigError names the file, the view and the field."""
    chart = dict(manifest.chart or {})
    spec: dict[str, object] = {"chart": chart.pop("kind", "table"), **chart}
    if manifest.description:
        spec["about"] = manifest.description
    return parse_presentation(name, spec, source)


@dataclass(frozen=True)
class Bundle:
    """One bundle folder, validated."""

    name: str
    folder: Path
    description: str
    kinds: tuple[KindDeclaration, ...]
    views: tuple[BundleView, ...]

    def reset_steps(self) -> list[Step]:
        """What empties the tables the bundle's warehouse steps write, before they are built again after a
        --reload: `warehouse/reset/NNN_*.sql` (none when the bundle writes no tables of its own)."""
        return load_steps(self.folder / WAREHOUSE_FOLDER / "reset")

    def warehouse_steps(self, kind: str) -> list[Step]:
        """The bundle's warehouse steps for a new file of `kind`: the shared ones and the kind's, by file name."""
        folder = self.folder / WAREHOUSE_FOLDER
        steps = [*load_steps(folder), *load_steps(folder / kind)]
        return sorted(steps, key=lambda step: step.file_name)  # stable: a file's statements keep their order


@dataclass(frozen=True)
class Catalogue:
    """Every declared kind and bundle, and which bundles are turned off."""

    loose: tuple[KindDeclaration, ...]  # kinds outside any bundle
    bundles: tuple[Bundle, ...]
    disabled: frozenset[str] = frozenset()

    @property
    def enabled_bundles(self) -> tuple[Bundle, ...]:
        """The bundles that are on."""
        return tuple(bundle for bundle in self.bundles if bundle.name not in self.disabled)

    @property
    def declarations(self) -> tuple[KindDeclaration, ...]:
        """The kinds the service recognises: those outside bundles, then those of the bundles that are on."""
        return (*self.loose, *(kind for bundle in self.enabled_bundles for kind in bundle.kinds))

    @property
    def all_declarations(self) -> tuple[KindDeclaration, ...]:
        """Every kind, turned-off bundles' too (their tables exist: migrations must keep seeing them)."""
        return (*self.loose, *(kind for bundle in self.bundles for kind in bundle.kinds))

    @property
    def bundle_of(self) -> dict[str, str]:
        """Kind -> the bundle it belongs to (kinds outside bundles are not in it)."""
        return {kind.kind: bundle.name for bundle in self.bundles for kind in bundle.kinds}

    def views(self) -> list[BundleView]:
        """The views of the bundles that are on, each after the views it reads."""
        return order_views([view for bundle in self.enabled_bundles for view in bundle.views])


def catalogue_for(settings: Settings) -> Catalogue:
    """The kinds and bundles of the settings' kind folders, with its turned-off bundles; ConfigError when wrong."""
    return load_catalogue(settings.kind_folders, settings.disabled_bundles)


def load_catalogue(folders: Sequence[Path], disabled: Iterable[str] = ()) -> Catalogue:
    """Read every kind and bundle in the folders (in name order); ConfigError on the first problem."""
    loose = list(load_declarations(folders))
    bundles = [load_bundle(sub) for folder in folders for sub in _bundle_folders(folder)]
    catalogue = Catalogue(tuple(loose), tuple(bundles), frozenset(disabled))
    _check_unique(catalogue)
    check_stage_targets(catalogue.all_declarations)
    unknown = sorted(catalogue.disabled - {bundle.name for bundle in bundles})
    if unknown:
        known = ", ".join(bundle.name for bundle in bundles) or "none"
        raise ConfigError(f"disabled_bundles names no bundle: {', '.join(unknown)} (bundles: {known})")
    catalogue.views()  # refuses a cycle of views now rather than at --analysis
    return catalogue


def _bundle_folders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(sub for sub in folder.iterdir() if sub.is_dir() and (sub / MANIFEST_FILE).is_file())


def load_bundle(folder: Path) -> Bundle:
    """Read and check one bundle folder; ConfigError names the file and the reason."""
    if not _BUNDLE_NAME.fullmatch(folder.name):
        raise ConfigError(f"{folder}: a bundle's folder name is its name: lower case letters, digits and _")
    manifest = _read_manifest(folder / MANIFEST_FILE)
    kinds = tuple(
        parse_declaration(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(folder.glob("*.toml"))
        if path.name != MANIFEST_FILE
    )
    views = _read_views(folder, manifest)
    _check_warehouse_folders(folder, {kind.kind for kind in kinds})
    return Bundle(folder.name, folder, manifest.description, kinds, views)


def _read_manifest(path: Path) -> BundleManifest:
    try:
        return BundleManifest.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'manifest'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {problems}") from exc


def _read_views(folder: Path, manifest: BundleManifest) -> tuple[BundleView, ...]:
    views = []
    for path in sorted((folder / VIEWS_FOLDER).glob("*.sql")):
        source = f"{folder.name}/{VIEWS_FOLDER}/{path.name}"
        try:
            name = view_name(path.name)
            query = query_of(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ConfigError(f"{folder / VIEWS_FOLDER / path.name}: {exc}") from exc
        view = BundleView(folder.name, name, source, query, manifest.views.get(name, ViewManifest()))
        view.presentation  # noqa: B018 - checked now, so a wrong chart stops start-up, not --analysis
        views.append(view)
    names = [view.name for view in views]
    if stray := sorted(set(manifest.views) - set(names)):
        raise ConfigError(f"{folder / MANIFEST_FILE}: views {', '.join(stray)} have no file in {VIEWS_FOLDER}/")
    if repeated := sorted({name for name in names if names.count(name) > 1}):
        raise ConfigError(f"{folder / VIEWS_FOLDER}: view {', '.join(repeated)} has two files")
    return tuple(views)


def _check_warehouse_folders(folder: Path, kinds: set[str]) -> None:
    warehouse = folder / WAREHOUSE_FOLDER
    if not warehouse.is_dir():
        return
    for sub in sorted(warehouse.iterdir()):
        if sub.is_dir() and sub.name not in kinds and sub.name != "reset":
            raise ConfigError(f"{sub}: a folder in {WAREHOUSE_FOLDER}/ is named after a kind of this bundle")


def _check_unique(catalogue: Catalogue) -> None:
    names = [bundle.name for bundle in catalogue.bundles]
    if repeated := sorted({name for name in names if names.count(name) > 1}):
        raise ConfigError(f"bundle {', '.join(repeated)} exists twice (in services/kinds/ and in kinds_dir)")
    kinds = [kind.kind for kind in catalogue.all_declarations]
    if repeated := sorted({kind for kind in kinds if kinds.count(kind) > 1}):
        raise ConfigError(f"kind {', '.join(repeated)} is declared twice (kind names are table names: unique)")
    views = [view for bundle in catalogue.bundles for view in bundle.views]
    view_names = [view.name for view in views]
    if repeated := sorted({name for name in view_names if view_names.count(name) > 1}):
        raise ConfigError(f"view {', '.join(repeated)} is made by two bundles (view names are unique in a schema)")
    files = [view.file.text for view in views if view.manifest.export]
    if repeated := sorted({name for name in files if files.count(name) > 1}):
        raise ConfigError(f"export file {', '.join(repeated)} is written by two views")
