from elettro.celery import company_task

from . import services


@company_task(name="ingestion.run_import", time_limit=1800)
def run_import(job_id: int) -> str:
    return services.import_run(job_id=job_id).status


@company_task(name="ingestion.exclusions_apply", time_limit=900)
def exclusions_apply() -> int:
    return services.exclusions_apply()
