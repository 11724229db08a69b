# A Windows server booted with an RSA key pair (nova_keypair.windows, with
# algorithm = "rsa"): cloudbase-init encrypts the administrator password it
# sets with the key pair's public key and leaves it with Nova. The password
# is decrypted for this run only and handed to a provisioner; it is never
# written to state or plan.
resource "nova_server" "windows" {
  name        = "win-1"
  image_id    = "155d900f-4e14-4e4c-a73d-069cbf4541e6" # a Windows image with cloudbase-init
  flavor_name = "m1.medium"
  key_name    = nova_keypair.windows.name

  network {
    uuid = "3cb9bc59-5699-4588-a4b1-b87f96708bc6"
  }
}

ephemeral "nova_server_password" "windows" {
  server_id   = nova_server.windows.id
  private_key = nova_keypair.windows.private_key
  # the guest sets it during its first boot: wait for it
  timeout = "20m"
}

resource "terraform_data" "configure" {
  input = nova_server.windows.id

  provisioner "local-exec" {
    command = "./configure-windows.sh \"${nova_server.windows.access_ip_v4}\""
    environment = {
      ADMIN_PASSWORD = ephemeral.nova_server_password.windows.password
    }
  }
}
