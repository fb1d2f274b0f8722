"""The model's monthly phases, one module each; ``model.economy.PHASES`` gives their order."""
