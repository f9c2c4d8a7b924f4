"""The engine's stages, one module each, in the order ``engine.solve`` runs them.

``warm_start`` -> ``bound`` (started; collected near the end) -> ``timetable_search`` ->
``placement`` -> ``polish`` -> ``finish`` (check, choose, report; or explain). Each takes the
``run.Run`` and the previous stages' results. A stage module runs its model-level namesake
(``solver.bound``, ``solver.placement``, ``solver.polish``) within the run's time budget.
"""
