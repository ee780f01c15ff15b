"""Archives are hostile: zip members are read as bounded streams, never written anywhere, and bombs,
encrypted members and corrupt zips are refused with the member and the reason."""

import gzip
import io
import os
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from core.errors import BadFileError
from services.importers.archives import (
    ArchiveKind,
    ArchiveLimits,
    ZipMember,
    archive_kind,
    open_gzip,
    open_zip,
    shown_name,
)
from services.importers.sources import FileSource, read_head
from tests.meter_data import BLOCK_30, DAY, END, HEADER, nem12

NEM12_TEXT = nem12(HEADER, BLOCK_30, DAY, END, line_end="\r\n").encode("ascii")
SMALL: ArchiveLimits = ArchiveLimits(max_bytes=4 << 20, max_ratio=100, max_members=5)


def write_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def read_all(path: Path, limits: ArchiveLimits = SMALL) -> dict[str, bytes]:
    with open_zip(path, limits) as archive:
        contents = {}
        for member in archive.members:
            with archive.open(member) as stream:
                contents[member.name] = stream.read()
        return contents


def refusal(path: Path, limits: ArchiveLimits = SMALL) -> BadFileError:
    with pytest.raises(BadFileError) as caught:
        read_all(path, limits)
    return caught.value


def patch_zip(path: Path, offsets: list[int], value: bytes) -> None:
    data = bytearray(path.read_bytes())
    for offset in offsets:
        data[offset : offset + len(value)] = value
    path.write_bytes(bytes(data))


def header_offsets(path: Path) -> tuple[int, int]:
    """Where the first member's local header and its central directory entry start."""
    data = path.read_bytes()
    return data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")


# recognising archives


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"PK\x03\x04\x14\x00", ArchiveKind.ZIP),
        (b"PK\x05\x06" + bytes(18), ArchiveKind.ZIP),
        (b"\x1f\x8b\x08\x00", ArchiveKind.GZIP),
        (b"100,NEM12,2004", None),
        (b"PK", None),
        (b"", None),
    ],
    ids=["zip", "empty-zip", "gzip", "nem12", "short", "empty"],
)
def test_zip_and_gzip_are_recognised_by_their_first_bytes(head: bytes, kind: ArchiveKind | None) -> None:
    assert archive_kind(head) is kind


@pytest.mark.parametrize("name", ["NEM12#NEM1201005Scenario1#GLOBALM#NEMMCO.ZIP", "delivery", "meters.csv"])
def test_a_zip_is_a_zip_whatever_its_name(tmp_path: Path, name: str) -> None:
    path = write_zip(tmp_path / name, {"NEM12#05050200001000000#GLOBALM#NEMMCO": NEM12_TEXT})
    assert archive_kind(path.read_bytes()[:4]) is ArchiveKind.ZIP


# reading members


def test_every_member_of_a_zip_of_two_nem12_files_is_read_as_a_stream(tmp_path: Path) -> None:
    second = NEM12_TEXT.replace(b"NMI0000001", b"NMI0000002")
    path = write_zip(tmp_path / "two.zip", {"a.csv": NEM12_TEXT, "folder/b": second, "folder/": b""})
    with open_zip(path, SMALL) as archive:
        assert [(member.name, member.index, member.declared_bytes) for member in archive.members] == [
            ("a.csv", 0, len(NEM12_TEXT)),
            ("folder/b", 1, len(second)),
        ]
        assert archive.read_head(archive.members[1], 9) == b"100,NEM12"
    assert read_all(path) == {"a.csv": NEM12_TEXT, "folder/b": second}


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_members_compressed_any_way_python_reads_are_read(tmp_path: Path, method: int) -> None:
    assert read_all(write_zip(tmp_path / "m.zip", {"m": NEM12_TEXT}, method)) == {"m": NEM12_TEXT}


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "..\\..\\x", "a/../../../x", "C:\\x", "x\x00y", "\u202ex"])
def test_a_member_name_is_never_used_as_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    path = write_zip(tmp_path / "evil.zip", {name: NEM12_TEXT})
    before = sorted(str(p) for p in tmp_path.rglob("*"))

    contents = read_all(path)

    assert list(contents.values()) == [NEM12_TEXT]
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_a_member_name_is_shown_quoted_escaped_and_cut_short() -> None:
    assert shown_name("../../x") == "'../../x'"
    assert shown_name("a\nb\x1b") == "'a\\nb\\x1b'"
    assert len(shown_name("x" * 500)) == 120


# what is refused


def test_an_empty_zip_is_refused(tmp_path: Path) -> None:
    assert refusal(write_zip(tmp_path / "empty.zip", {})).reason == "the zip holds no files: there is nothing to load"


def test_a_zip_of_folders_only_is_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "dirs.zip", {"a/": b"", "a/b/": b""})
    assert refusal(path).reason == "the zip holds no files: there is nothing to load"


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[: len(data) // 2], lambda data: b"PK\x03\x04" + bytes(200), lambda data: data[:-22]],
    ids=["cut-in-half", "header-then-zeros", "no-end-record"],
)
def test_a_corrupt_or_truncated_zip_is_refused(tmp_path: Path, damage: object) -> None:
    path = write_zip(tmp_path / "good.zip", {"a.csv": NEM12_TEXT})
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]  # a lambda of the parametrisation
    assert refusal(path).reason == "the zip is corrupt or truncated; zip the files again and drop it again"


def test_a_member_whose_compressed_data_is_damaged_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "crc.zip", {"meters.csv": NEM12_TEXT * 20})
    local, _ = header_offsets(path)
    data = bytearray(path.read_bytes())
    start = local + 30 + len("meters.csv") + 40
    data[start : start + 8] = bytes(8)
    path.write_bytes(bytes(data))
    assert refusal(path).reason == (
        "zip member 'meters.csv' is truncated or corrupt; compress the file again and drop it again"
    )


def test_an_encrypted_member_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "locked.zip", {"a.csv": NEM12_TEXT, "secret.csv": NEM12_TEXT})
    data = path.read_bytes()
    second_local = data.index(b"PK\x03\x04", 1)
    second_central = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1)
    patch_zip(path, [second_local + 6, second_central + 8], struct.pack("<H", 0x1))
    error = refusal(path)
    assert error.reason == "zip member 'secret.csv' is encrypted: send it without a password"


@pytest.mark.skipif(shutil.which("zip") is None, reason="needs the zip command")
def test_a_member_encrypted_by_the_zip_tool_is_refused(tmp_path: Path) -> None:
    (tmp_path / "meters.csv").write_bytes(NEM12_TEXT)
    subprocess.run(["zip", "-q", "-P", "secret", "locked.zip", "meters.csv"], cwd=tmp_path, check=True)
    assert refusal(tmp_path / "locked.zip").reason == "zip member 'meters.csv' is encrypted: send it without a password"


def test_a_compression_method_python_cannot_read_is_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "deflate64.zip", {"a.csv": NEM12_TEXT})
    local, central = header_offsets(path)
    patch_zip(path, [local + 8, central + 10], struct.pack("<H", 9))
    assert refusal(path).reason == (
        "zip member 'a.csv' uses compression method 9, which cannot be read: "
        "zip it again with one of stored, deflate, bzip2, lzma"
    )


def test_a_zip_of_too_many_files_is_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "many.zip", {f"{index}.csv": b"x" for index in range(6)})
    assert refusal(path).reason == "the zip holds 6 files, more than 5; split it"


def test_a_zip_that_declares_more_than_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "big.zip", {"a": b"0" * 3_000_000, "b": b"0" * 3_000_000})
    limits = ArchiveLimits(max_bytes=4 << 20, max_ratio=10_000)
    assert refusal(path, limits).reason == "the zip says it expands to 6,000,000 bytes, more than 4,194,304; split it"


def test_a_zip_bomb_is_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("meters.csv", "w", force_zip64=True) as member,
    ):
        for _ in range(200):
            member.write(bytes(1 << 20))  # 200 MiB of zeros, about 200 KB compressed
    started = time.monotonic()
    error = refusal(path, ArchiveLimits(max_bytes=8 << 30, max_ratio=100))
    assert error.reason == (
        "zip member 'meters.csv' expands to more than 100 times its compressed size: "
        "a zip bomb, or not meter data; it is refused"
    )
    assert time.monotonic() - started < 5


def test_a_member_cannot_give_more_than_its_zip_declares(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "liar.zip", {"meters.csv": NEM12_TEXT * 50})
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", 1000)  # claims 1,000 bytes, holds far more
    path.write_bytes(bytes(data))
    assert refusal(path, ArchiveLimits()).reason == (
        "zip member 'meters.csv' is truncated or corrupt; compress the file again and drop it again"
    )


def test_the_byte_limit_is_shared_by_every_read_of_the_archive(tmp_path: Path) -> None:
    members = {f"{index}.csv": os.urandom(1 << 19).hex().encode() for index in range(5)}
    path = write_zip(tmp_path / "sum.zip", members, zipfile.ZIP_STORED)
    with open_zip(path, ArchiveLimits(max_bytes=11 << 19, max_ratio=100)) as archive:
        for member in archive.members:
            archive.read_head(member, 1 << 20)
        with pytest.raises(BadFileError) as caught, archive.open(archive.members[0]) as stream:
            stream.read()
    assert caught.value.reason == (
        "zip member '0.csv' takes the archive past 5,767,168 bytes decompressed: "
        "too big to load (or a zip bomb); split it into smaller archives"
    )


def test_reading_a_member_that_expands_within_the_limits_is_fine(tmp_path: Path) -> None:
    zeros = nem12(HEADER, BLOCK_30, *[DAY.replace(",1,", ",0,")] * 300, END).encode()
    assert read_all(write_zip(tmp_path / "zeros.zip", {"z.csv": zeros}), ArchiveLimits()) == {"z.csv": zeros}


def test_a_zip_member_is_described_by_its_sizes(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "one.zip", {"a": NEM12_TEXT}, zipfile.ZIP_STORED)
    with open_zip(path, SMALL) as archive:
        assert archive.members == (ZipMember("a", 0, len(NEM12_TEXT), len(NEM12_TEXT)),)


# gzip, with the same bounds


def test_a_gzip_stream_is_read_whole_within_the_limits() -> None:
    data = gzip.compress(NEM12_TEXT)
    with open_gzip(io.BytesIO(data), len(data), SMALL) as stream:
        assert stream.read() == NEM12_TEXT


def test_a_gzip_bomb_is_refused_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb", compresslevel=9) as bomb:
        for _ in range(200):
            bomb.write(bytes(1 << 20))
    started = time.monotonic()
    with pytest.raises(BadFileError) as caught, FileSource(path, ArchiveLimits(max_ratio=100)).open_binary() as stream:
        while stream.read(1 << 20):
            pass
    assert caught.value.reason.startswith("the gzip data expands to more than 100 times its compressed size")
    assert time.monotonic() - started < 5


def test_a_gzip_past_the_byte_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.csv.gz"
    path.write_bytes(gzip.compress(os.urandom(1 << 20).hex().encode()))
    with (
        pytest.raises(BadFileError) as caught,
        FileSource(path, ArchiveLimits(max_bytes=1 << 20)).open_binary() as stream,
    ):
        stream.read()
    assert "takes the archive past 1,048,576 bytes decompressed" in caught.value.reason


def test_the_head_of_a_gzip_file_is_its_decompressed_start(tmp_path: Path) -> None:
    path = tmp_path / "meters.gz"
    path.write_bytes(gzip.compress(NEM12_TEXT))
    assert read_head(path) == NEM12_TEXT
