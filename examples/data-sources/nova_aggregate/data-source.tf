data "nova_aggregate" "ssd" {
  name = "ssd-hosts"
}
