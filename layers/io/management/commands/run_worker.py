"""`manage.py run_worker`: work the import queue (RQ on Redis). scripts/serve.sh starts it."""
import threading

from django.core.management.base import BaseCommand
from django.db import connections

from layers.io.queue import import_queue
from layers.io.services import import_jobs_recover
from layers.io.worker import RequestIdWorker, start_heartbeat


class Command(BaseCommand):
    help = "Run the background worker for import jobs."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Exit when the queue is empty.")

    def handle(self, *args, **options):
        recovered = import_jobs_recover()
        if recovered:
            self.stdout.write(f"{recovered} interrupted import(s) marked as failed")
        connections.close_all()  # each forked job opens its own connection; none may be inherited
        queue = import_queue()
        worker = RequestIdWorker([queue], connection=queue.connection)
        stop = threading.Event()
        start_heartbeat(queue.connection, stop)  # /readyz: the worker is alive while this is fresh
        try:
            worker.work(burst=options["burst"], with_scheduler=False)
        finally:
            stop.set()
