resource "nova_flavor_access" "team" {
  flavor_id  = nova_flavor.large.id
  project_id = "0db92f705dac4ccc97c53e518feba021"
}
