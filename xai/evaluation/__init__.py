"""Generic evaluation of a pipeline over a labelled set (no task here: tasks plug in through :mod:`.adapter`).

* :mod:`.items`: :class:`~.items.LabelledItem` and the folder / CSV / ZIP readers, unlabelled batch readers;
* :mod:`.scoring`: :func:`~.scoring.score_items` → :class:`~.scoring.Evaluation` (per-item scores and errors);
* :mod:`.summary`: :class:`~.summary.MetricSummary`, the seeds' metric rows, the per-threshold table;
* :mod:`.figures`: ROC, DET, histogram and confusion-matrix plotly figures;
* :mod:`.tables`: CSV files and CSV text;
* :mod:`.adapter`: :class:`~.adapter.TaskEvaluation`, what each task's ``xai/<task>/evaluate.py`` declares.
"""
