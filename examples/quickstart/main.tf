terraform {
  required_providers {
    nova = {
      source  = "nova-project/nova"
      version = "0.1.0"
    }
  }
}

# Credentials come from the environment (OS_CLOUD and OS_CLIENT_CONFIG_FILE,
# set by the quickstart to the local cloud's clouds.yaml).
provider "nova" {}

resource "nova_keypair" "quickstart" {
  name = "quickstart"
}

output "keypair_fingerprint" {
  value = nova_keypair.quickstart.fingerprint
}

output "public_key" {
  value = nova_keypair.quickstart.public_key
}
