from datasafe.cli import run

run()
