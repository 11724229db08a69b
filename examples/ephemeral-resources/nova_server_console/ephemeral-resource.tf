# A noVNC console of the web server, opened for this run only: its URL and
# token reach the provisioner and are never written to state or plan.
ephemeral "nova_server_console" "web" {
  server_id = nova_server.web.id
  protocol  = "vnc"
  type      = "novnc"
}

resource "terraform_data" "console_link" {
  input = nova_server.web.id

  provisioner "local-exec" {
    command = "echo \"console of $SERVER: $CONSOLE_URL\" > console-link.txt"
    environment = {
      SERVER      = nova_server.web.id
      CONSOLE_URL = ephemeral.nova_server_console.web.url
    }
  }
}
