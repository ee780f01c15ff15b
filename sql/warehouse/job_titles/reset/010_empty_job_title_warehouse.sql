-- Empty what the job-title files built, so that --pipeline builds it again from every loaded file in load
-- order (after --reload replaced one of them). One transaction with the build: readers never see it empty.
TRUNCATE fact_related_titles, fact_title_popularity, dim_job_title;
