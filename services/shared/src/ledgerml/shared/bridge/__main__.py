from ledgerml.shared.bridge.main import main

main()
