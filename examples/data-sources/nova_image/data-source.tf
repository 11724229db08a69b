data "nova_image" "cirros" {
  name        = "cirros"
  most_recent = true
}
