variable "public_key" {
  type = string
}

resource "nova_keypair" "deploy" {
  name       = "deploy"
  public_key = var.public_key
}

# the fingerprint Nova will report, known at plan time
output "deploy_fingerprint" {
  value = provider::nova::keypair_fingerprint(var.public_key)
}

# after apply: the key pair Nova holds is the one configured
check "deploy_key" {
  assert {
    condition     = provider::nova::keypair_fingerprint(var.public_key) == nova_keypair.deploy.fingerprint
    error_message = "Nova reports another fingerprint for the deploy key pair."
  }
}
