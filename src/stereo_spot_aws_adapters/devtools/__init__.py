"""Developer tooling: the demo, the smoke test, the walk they share, provisioning, the dlq tool
and the local stack.

Nothing in the library imports this package: a service that imports
``stereo_spot_aws_adapters`` (or ``env_config``, ``sqs``, ``s3``, the generated
adapters) never loads it, nor moto. It is reached through
``python -m stereo_spot_aws_adapters {demo,smoke,dlq,stack}`` (``devtools.cli``) and
by the tests, which build local stacks with ``devtools.provision`` and
``devtools.embedded``.
"""
