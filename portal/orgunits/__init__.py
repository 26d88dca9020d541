"""Organisation units: the country's hierarchy (districts and above), imported
from CSV or DHIS2 metadata, that partners' coverage points at."""
