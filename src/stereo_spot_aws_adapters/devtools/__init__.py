"""Developer tooling: the demo, the smoke test, the walk they share, provisioning and the dlq tool.

Nothing in the library imports this package: a service that imports
``stereo_spot_aws_adapters`` (or ``env_config``, ``sqs``, ``s3``, the generated
adapters) never loads it, nor moto. It is reached through
``python -m stereo_spot_aws_adapters {demo,smoke,dlq}`` (``devtools.cli``) and
by the tests, which build local stacks with ``devtools.provision`` and
``devtools.embedded``.
"""
