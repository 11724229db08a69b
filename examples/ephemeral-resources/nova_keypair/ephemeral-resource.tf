# A key pair for this run only: registered with Nova while Terraform runs,
# deleted when it is done; the private key reaches the provisioner and is
# never written to state or plan.
ephemeral "nova_keypair" "bootstrap" {
  name = "bootstrap-run"
}

resource "terraform_data" "bootstrap" {
  input = nova_server.web.id

  provisioner "local-exec" {
    command = "echo \"$FINGERPRINT\" > bootstrap-fingerprint.txt"
    environment = {
      FINGERPRINT = ephemeral.nova_keypair.bootstrap.fingerprint
      PRIVATE_KEY = ephemeral.nova_keypair.bootstrap.private_key
    }
  }
}
