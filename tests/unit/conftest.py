"""Unit-tier fixtures: moto in-process, with every resource created from the schema."""

from __future__ import annotations

import pytest

from stereo_spot_aws_adapters.devtools.provision import provision
from stereo_spot_aws_adapters.generated.resources import TABLES


@pytest.fixture
def table_names(aws: None) -> dict[str, str]:
    """Provision the schema on moto; returns {schema table name: table name}."""
    environment = provision(prefix="test")
    return {table.name: environment[table.env_var] for table in TABLES}
