"""Training scripts for the project's own models (optional extra `train`: TensorFlow, mlxtend).

Nothing here is imported by the harness or its tests at run time; TensorFlow is imported
only inside the functions that train or convert.
"""
