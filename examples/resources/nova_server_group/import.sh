terraform import nova_server_group.web 4f72629e-35e6-40de-a648-7f4ae106a7fa
