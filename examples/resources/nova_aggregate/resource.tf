resource "nova_aggregate" "ssd" {
  name              = "ssd-hosts"
  availability_zone = "az-ssd"
  hosts             = ["compute1", "compute2"]
  metadata = {
    ssd = "true"
  }
}
