"""The small shared kernel every app imports: money (Decimal amounts, Indian and other currencies' formats),
India (GST states, GSTIN checks, fiscal years) and the one error type services raise. It imports no app and no
project configuration, so any app can depend on it."""
