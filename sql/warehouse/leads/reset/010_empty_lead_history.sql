-- Empty the leads' history, so that --pipeline builds it again from every loaded leads file (every partner's)
-- in load order (after --reload replaced one of them). One transaction with the build.
TRUNCATE fact_lead_change, dim_lead;
