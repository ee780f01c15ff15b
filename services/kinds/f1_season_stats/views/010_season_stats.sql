-- Each race of each season, in round order. The winner is the driver in position 1 (null while the race has no
-- results); a shared drive of the 1950s credits two drivers with position 1, and the first listed (the lower
-- resultId) is shown. "Race Fastest Lap" is the winner's own fastestLapTime, as written. A race without a start
-- time starts at 00:00:00. `year` names the file (stats_{year}.json) and is left out of its objects.
SELECT races.year,
       races.name AS "Race Name",
       races.round AS "Race Round",
       to_char(races.date + coalesce(races.time, TIME '00:00'), 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS "Race Datetime",
       winner.driver_id AS "Race Winning driverId",
       winner.fastest_lap_time AS "Race Fastest Lap"
FROM current_f1_races AS races
LEFT JOIN LATERAL (
    SELECT results.driver_id, results.fastest_lap_time
    FROM current_f1_results AS results
    WHERE results.race_id = races.race_id AND results.position = 1
    ORDER BY results.result_id
    LIMIT 1
) AS winner ON true
ORDER BY races.year, races.round, races.race_id
