data "nova_keypair" "deployer" {
  name = "deployer"
}
