# Limits left out (key_pairs, metadata_items, ...) keep the cloud's value.
resource "nova_quota_set" "team" {
  project_id           = "0db92f705dac4ccc97c53e518feba021"
  instances            = 20
  cores                = 40
  ram                  = 81920 # MiB
  server_groups        = 10
  server_group_members = -1 # unlimited
}
