from elettro.celery import company_task

from . import services


@company_task(name="ingestion.run_import", time_limit=1800)
def run_import(job_id: int) -> str:
    return services.import_run(job_id=job_id).status


@company_task(name="ingestion.exclusions_apply", time_limit=900)
def exclusions_apply() -> int:
    return services.exclusions_apply()


@company_task(name="ingestion.upload_files_purge", time_limit=600)
def upload_files_purge() -> int:
    from .retention import upload_files_purge

    return upload_files_purge()
