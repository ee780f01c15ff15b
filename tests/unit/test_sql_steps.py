"""Reading SQL step files: statements split where Postgres would split them, and only the parameters they use."""

import pytest

from services.sql_steps import bound_parameters, split_statements


def test_statements_are_split_on_semicolons_outside_quotes_and_comments_are_dropped() -> None:
    sql = """
    -- a comment; with a semicolon
    CREATE TEMP TABLE t AS SELECT 'a;b' AS x;
    /* block; comment */
    DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;

    SELECT count(*) FROM t;
    """

    statements = split_statements(sql)

    assert statements == [
        "CREATE TEMP TABLE t AS SELECT 'a;b' AS x",
        "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$",
        "SELECT count(*) FROM t",
    ]


def test_a_file_of_only_comments_has_no_statements() -> None:
    assert split_statements("-- nothing to do here;\n\n") == []


@pytest.mark.parametrize(
    ("sql", "bound"),
    [
        ("SELECT * FROM f WHERE file_id = :file_id", {"file_id": 7}),
        ("SELECT :file_id::bigint", {"file_id": 7}),
        ("SELECT x::file_id FROM f", {}),  # a cast to a type of that name is not a parameter
        ("SELECT :file_ids", {}),  # another name that starts the same
        ("SELECT 1", {}),
    ],
)
def test_only_the_parameters_a_statement_names_are_bound(sql: str, bound: dict[str, object]) -> None:
    assert bound_parameters(sql, {"file_id": 7}) == bound
