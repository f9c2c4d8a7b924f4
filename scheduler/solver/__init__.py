"""The optimization engine: timetable, rooms, resources and student placement."""
