data "nova_hypervisors" "all" {}
