"""A worker that stops ends its command listener with it, not a second later."""

from tests.conftest import burst_worker
from workers.run import build_worker

STOPS = 30  # RQ's own order left the listener running after some of every thirty stops


def test_the_procfile_worker_ends_its_command_listener_when_it_stops(app, redis):
    left_running = 0
    for _ in range(STOPS):
        worker = build_worker(app)
        worker.work(burst=True)
        left_running += worker.pubsub_thread.is_alive()
    assert left_running == 0


def test_the_tests_in_process_worker_ends_its_command_listener_when_it_stops(redis):
    left_running = 0
    for _ in range(STOPS):
        worker = burst_worker(["mail"], redis)
        worker.work(burst=True)
        left_running += worker.pubsub_thread.is_alive()
    assert left_running == 0
