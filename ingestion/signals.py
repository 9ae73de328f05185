"""What ingestion announces. Analytics and reports listen; ingestion imports neither."""

from django.dispatch import Signal

# sent with job, kind, date_from, date_to after an import's rows are committed
import_finished = Signal()

# sent after stored sales lines were marked afresh (exclusion rules changed): every date may be affected
sales_lines_remarked = Signal()

# sent with job and kind after an upload was deleted and its lines (or a master's effect on them) taken back
upload_deleted = Signal()
