from ollama_client_setup.cli.main import main

main()
