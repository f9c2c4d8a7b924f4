"""The engine's stages, one module each, in the order ``engine.solve`` runs them.

``prechecks`` (an infeasible week explained at once) -> ``bound`` (started; collected near the
end) -> ``warm_start`` (a valid plan early: the previous
plan repaired, the greedy, or the feasibility stage's) -> ``timetable_search`` -> ``placement``
-> ``polish`` -> ``finish`` (check, choose, report; or explain). Each takes the
``run.Run`` and the previous stages' results. A stage module runs its model-level namesake
(``solver.bound``, ``solver.placement``, ``solver.polish``) within the run's time budget.
"""
