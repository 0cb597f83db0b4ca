from hkpr_tui.cli import main

main()
