"""`manage.py run_worker`: work the job queue (RQ on Redis) and run the scheduled tasks
(settings.PERIODIC_TASKS, layers/io/periodic.py). scripts/serve.sh starts it."""
import threading

from django.core.management.base import BaseCommand
from django.db import connections

from layers.io.periodic import periodic_run_due, periodic_tasks, start_periodic
from layers.io.queue import import_queue
from layers.io.services import import_jobs_recover
from layers.io.worker import RequestIdWorker, start_heartbeat


class Command(BaseCommand):
    help = "Run the background worker: queued jobs (imports, prints, deliveries) and scheduled tasks."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true",
                            help="Run the scheduled tasks that are due once, work the queue until it is empty, exit.")

    def handle(self, *args, **options):
        recovered = import_jobs_recover()
        if recovered:
            self.stdout.write(f"{recovered} interrupted import(s) marked as failed")
        queue = import_queue()
        worker = RequestIdWorker([queue], connection=queue.connection)
        stop = threading.Event()
        start_heartbeat(queue.connection, stop)  # /readyz: the worker is alive while this is fresh
        if options["burst"]:
            periodic_run_due(client=queue.connection, tasks=periodic_tasks(), worker=worker.name)
        connections.close_all()  # each forked job opens its own connection; none may be inherited
        if not options["burst"]:
            start_periodic(queue.connection, stop, worker=worker.name)
        try:
            worker.work(burst=options["burst"], with_scheduler=False)
        finally:
            stop.set()
