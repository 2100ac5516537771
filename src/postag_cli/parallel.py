"""Two processes computing one minibatch's gradient: the helper process and shared memory.

With `--jobs 2` a helper process (forked, so that it shares the data) computes the second part
of every minibatch while the main process computes the first (training.BatchJob). The weights
and Adagrad memories live in shared memory (`shared_copy`), so both see every update; the
helper sends its gradient through shared buffers, and both processes apply the update of the
embedding tables at once, each to about half of the rows (rows are independent in Adagrad): a
row only one part used is updated by that part's process, the rows both used are summed and
shared out (`share_rows`). The sums are those of `add_grads`, in the same order, so the model
is the same bit for bit as with one process.
"""

from __future__ import annotations

import mmap
import multiprocessing
import signal
from typing import TYPE_CHECKING

import numpy as np

from . import model as M
from .errors import PostagError

if TYPE_CHECKING:  # (for the annotations only: training imports this module)
    from .training import Adagrad, BatchJob


def union_rows(a, b):
    """The sorted union of two sorted arrays of row indices (np.union1d, 20x faster here: a
    stable sort merges the two sorted runs in linear time)."""
    c = np.concatenate([a, b])
    c.sort(kind="stable")
    keep = np.empty(len(c), dtype=bool)
    keep[:1] = True
    np.not_equal(c[1:], c[:-1], out=keep[1:])
    return c[keep]


def add_grads(parts):
    """The sum of several gradients (dicts of dense arrays and SparseRows), added in order."""
    total = {}
    for k, g in parts[0].items():
        if isinstance(g, M.SparseRows):
            rows = g.rows
            for p in parts[1:]:
                rows = union_rows(rows, p[k].rows)
            values = np.zeros((len(rows), g.values.shape[1]), dtype=g.values.dtype)
            for p in parts:
                values[np.searchsorted(rows, p[k].rows)] += p[k].values
            total[k] = M.SparseRows(rows, values)
        else:
            total[k] = g.copy()
            for p in parts[1:]:
                total[k] += p[k]
    return total


def _shared_array(shape, dtype):
    """An array in memory shared with processes forked later (anonymous shared mmap)."""
    n = int(np.prod(shape))
    buf = mmap.mmap(-1, max(n * np.dtype(dtype).itemsize, 1))
    return np.frombuffer(buf, dtype=dtype, count=n).reshape(shape)


def _shared_copy(params):
    out = {k: _shared_array(v.shape, v.dtype) for k, v in params.items()}
    for k, v in params.items():
        out[k][...] = v
    return out


def _write_grads(out, vals, grads) -> dict:
    """Put the helper's gradients where the main process reads them: a table's gradient rows
    go to `out` (their indices) and `vals` (their values, packed at the top), dense gradients
    to `out`. Returns the number of rows of each table."""
    sizes = {}
    for k, g in grads.items():
        if isinstance(g, M.SparseRows):
            n = sizes[k] = len(g.rows)
            out[k][:n] = g.rows
            vals[k][:n] = g.values
        else:
            out[k][...] = g
    return sizes


def share_rows(a, b):
    """Who updates which table rows when this process has gradient rows `a` and the helper `b`
    (sorted, unique): each updates the rows only it has, and the rows both have are shared out
    so that the two update about as many rows. Returns (keep_a, (pa, qb), keep_b, (pb, qa)):
    keep_a, the positions in `a` of the rows updated here; pa, where the shared ones among them
    are in that list, and qb, where they are in `b` (their other half of the gradient); then
    the same for the helper (positions in `b`; where its shared rows are in `a`)."""
    _, ia, ib = np.intersect1d(a, b, assume_unique=True, return_indices=True)
    h = min(max((len(b) - len(a) + len(ia)) // 2, 0), len(ia))  # shared rows updated here
    mine = np.ones(len(a), dtype=bool)
    mine[ia[h:]] = False
    theirs = np.ones(len(b), dtype=bool)
    theirs[ib[:h]] = False
    at_a, at_b = np.cumsum(mine) - 1, np.cumsum(theirs) - 1  # position among the kept rows
    return (np.flatnonzero(mine), (at_a[ia[:h]], ib[:h]),
            np.flatnonzero(theirs), (at_b[ib[h:]], ia[h:]))


def _helper_loop(job: BatchJob, opt: Adagrad, conn, parent_end, shared):
    """Serve the main process: ("grads", epoch, index, part, batch) computes the gradients of a
    part of a minibatch, puts them in the shared arrays (much faster than sending megabytes
    through the pipe, see `_write_grads`) and reports their sizes; ("apply", sizes, scale)
    applies the Adagrad update of the table rows the main process gave it (`share_rows`)."""
    out, vals, sel, xfer, xpos = (shared[k] for k in ("out", "vals", "sel", "xfer", "xpos"))
    parent_end.close()  # so that the main process's end closing (or dying) ends recv below
    for sig in (signal.SIGINT, signal.SIGTERM):  # the main process handles these, then
        signal.signal(sig, signal.SIG_IGN)  # closes the pipe, which ends this loop
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the main process closed the pipe or died
            return
        try:
            if msg[0] == "apply":
                _, sizes, scale = msg
                grads = {}
                for k, (n, m) in sizes.items():
                    keep = sel[k][:n]
                    values = vals[k][keep]  # (a copy) this part's gradient of these rows
                    values[xpos[k][:m]] += xfer[k][:m]  # + the main part's, on shared rows
                    grads[k] = M.SparseRows(out[k][keep], values)
                opt.step(job.params, grads, scale)
                conn.send(("ok", None))
                continue
            _, epoch, index, part, batch = msg
            res = job.gradients(epoch, index, part, batch)
            if res is None:
                conn.send(("ok", None))
                continue
            loss, ntok, grads = res
            conn.send(("ok", (loss, ntok, _write_grads(out, vals, grads))))
        except Exception as e:  # reported by the main process
            conn.send(("error", f"{type(e).__name__}: {e}"))


class Helper:
    """A forked process computing part of each minibatch's gradient and applying about half of
    the tables' update. It reads the data and the (shared) weights; the two processes write
    disjoint rows of the weights, and only while no gradient is being computed."""

    def __init__(self, job: BatchJob, opt: Adagrad):
        """`job.params` and `opt.mem` must be shared arrays (`_shared_copy`)."""
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        # in shared memory: the helper's gradients ("out": row indices of the tables, dense
        # gradients whole; "vals": the tables' gradient rows), and, per table, the rows the
        # helper updates ("sel": positions in its rows) and this process's gradient of those
        # it shares ("xfer", at positions "xpos" of the helper's list)
        self.shared = {"out": {}, "vals": {}, "sel": {}, "xfer": {}, "xpos": {}}
        for k, p in job.params.items():
            if k in M.TABLES:
                for name, dtype, shape in (("out", np.int64, p.shape[:1]),
                                           ("vals", p.dtype, p.shape),
                                           ("sel", np.int64, p.shape[:1]),
                                           ("xfer", p.dtype, p.shape),
                                           ("xpos", np.int64, p.shape[:1])):
                    self.shared[name][k] = _shared_array(shape, dtype)
            else:
                self.shared["out"][k] = _shared_array(p.shape, p.dtype)
        self.tables = list(self.shared["vals"])
        self.proc = ctx.Process(target=_helper_loop,
                                args=(job, opt, child, self.conn, self.shared), daemon=True)
        self.proc.start()
        child.close()

    def submit(self, epoch, index, part, batch):
        self.conn.send(("grads", epoch, index, part, batch))

    def step_split(self, opt, params, mine, theirs, scale):
        """The Adagrad step of the sum of this process's gradients `mine` (part 0) and the
        helper's `theirs` (part 1, from `result`; either may be None), the tables' rows shared
        out between the two processes (`share_rows`), applied at once. Equal to
        opt.step(add_grads([mine, theirs])): a + b and b + a are the same floats."""
        sh = self.shared
        sizes, here = {}, {}
        for k in self.tables:
            table = sh["vals"][k]
            a = mine[k] if mine is not None else M.SparseRows(
                np.empty(0, np.int64), np.empty((0, table.shape[1]), table.dtype))
            b_rows = theirs["rows"][k] if theirs else np.empty(0, np.int64)
            keep_a, (pa, qb), keep_b, (pb, qa) = share_rows(a.rows, b_rows)
            sh["sel"][k][:len(keep_b)] = keep_b
            sh["xfer"][k][:len(qa)] = a.values[qa]
            sh["xpos"][k][:len(pb)] = pb
            sizes[k] = (len(keep_b), len(pb))
            values = a.values[keep_a]
            values[pa] += table[qb]  # + the helper's gradient, on shared rows
            here[k] = M.SparseRows(a.rows[keep_a], values)
        self.conn.send(("apply", sizes, scale))
        dense = [g for g in (mine, theirs and theirs["dense"]) if g is not None]
        here.update(add_grads([{k: v for k, v in g.items() if k not in sh["vals"]}
                               for g in dense]))
        opt.step(params, here, scale)
        self.result()  # the helper's part is done too

    def result(self):
        """The helper's (loss, words, gradients) or None: gradients {"rows": table -> row
        indices (their values are in the accumulator), "dense": name -> array}, views of the
        shared arrays."""
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError):
            raise PostagError("the training helper process stopped unexpectedly; "
                              "try --jobs 1", exit_code=1) from None
        if status != "ok":
            raise PostagError(f"the training helper process failed: {value}", exit_code=1)
        if value is None:
            return None
        loss, ntok, sizes = value
        out = self.shared["out"]
        return loss, ntok, {"rows": {k: out[k][:n] for k, n in sizes.items()},
                            "dense": {k: v for k, v in out.items() if k not in self.tables}}

    def close(self):
        self.conn.close()
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join()
