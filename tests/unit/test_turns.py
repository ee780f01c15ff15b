"""Turns of files loaded side by side: within a kind, in the order they were taken; across kinds, at once."""

import asyncio

from services.turns import KindTurns

TITLES = frozenset({"job_titles"})
METERS = frozenset({"nem12"})


async def _is_waiting(task: "asyncio.Task[bool]") -> bool:
    for _ in range(5):  # let every ready coroutine run
        await asyncio.sleep(0)
    return not task.done()


async def test_a_later_file_of_the_same_kind_waits_until_the_earlier_one_is_done() -> None:
    turns = KindTurns()
    earlier, later = turns.take(), turns.take()
    await earlier.wait(TITLES)

    waiting = asyncio.create_task(later.wait(TITLES))
    assert await _is_waiting(waiting)
    earlier.done()
    assert await asyncio.wait_for(waiting, 1), "it waited for a file of its kind"


async def test_files_of_different_kinds_do_not_wait_for_each_other() -> None:
    turns = KindTurns()
    earlier, later = turns.take(), turns.take()
    await earlier.wait(METERS)

    assert not await asyncio.wait_for(later.wait(TITLES), 1)


async def test_a_container_waits_for_every_kind_it_holds() -> None:
    turns = KindTurns()
    meters, container = turns.take(), turns.take()
    await meters.wait(METERS)

    waiting = asyncio.create_task(container.wait(frozenset({"zip", "job_titles", "nem12"})))
    assert await _is_waiting(waiting)
    meters.done()
    await asyncio.wait_for(waiting, 1)


async def test_a_later_file_waits_until_the_earlier_one_is_recognised() -> None:
    turns = KindTurns()
    earlier, later = turns.take(), turns.take()

    waiting = asyncio.create_task(later.wait(TITLES))
    assert await _is_waiting(waiting)  # the earlier file could turn out to be job titles too
    await earlier.wait(METERS)
    await asyncio.wait_for(waiting, 1)


async def test_a_file_that_ends_before_it_is_recognised_holds_nobody_up() -> None:
    turns = KindTurns()
    duplicate, later = turns.take(), turns.take()
    duplicate.done()  # a duplicate or a quarantined file never starts a load

    assert not await asyncio.wait_for(later.wait(TITLES), 1)
    later.done()
    later.done()  # done twice (the load's end, then the file's) is harmless


async def test_an_earlier_file_never_waits_for_a_later_one() -> None:
    turns = KindTurns()
    earlier = turns.take()
    turns.take()  # a later file, not recognised yet: it may turn out to be job titles too

    await asyncio.wait_for(earlier.wait(TITLES), 1)
