# Secrets Manager: the Hugging Face token ([secrets.hf_token] in schema/stereo_spot.toml).
# Terraform creates the secret, never its value: set it once after the first apply,
#   aws secretsmanager put-secret-value --secret-id "$(terraform output -raw hf_token_secret_arn)" \
#     --secret-string '{"hf_token": "hf_..."}'
# (a plain token, or JSON with hf_token, HF_TOKEN or token). Only the consumers whose
# schema entry lists it in reads_secrets may read it (consumer_policies.tf).

resource "aws_secretsmanager_secret" "hf_token" {
  #checkov:skip=CKV_AWS_149:The token is encrypted with the AWS-managed key; a customer key is a deployment choice, not the data plane's.
  #checkov:skip=CKV2_AWS_57:A Hugging Face token is issued by hand on huggingface.co; Secrets Manager cannot rotate it.
  name        = "${var.name_prefix}/hf-token"
  description = "Hugging Face token the inference container downloads its model with."
}
