"""Stage 4: each consumer's least-privilege IAM policy, and its Terraform and JSON files."""
