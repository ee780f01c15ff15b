-- Empty what the meter data files (NEM12 and NEM13 together: they share the NMI dimension and the daily
-- facts) built, so that --pipeline builds it again from every loaded file in load order (after --reload
-- replaced one of them). One transaction with the build.
TRUNCATE fact_daily_consumption, fact_meter_reading, fact_register_read, dim_nmi;
