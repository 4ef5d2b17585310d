"""numba-compiled RAPTOR rounds (the hot loop of ``journeys.domain.raptor._run``).

Importing this module imports numba; ``raptor`` falls back to its numpy implementation when
that fails. The kernel computes exactly what the numpy rounds compute (same pruning, same
tie-breaking) but, instead of keeping the per-round scan arrays for reconstruction, it records
parent pointers per round and stop:

* vehicle phase of round k: ``veh[k, s]`` the kept arrival at ``s``, ``alight_pos[k, s]`` the
  position where it alighted, ``board_pos[k, s]`` the position where that trip was boarded and
  ``rank[k, s]`` the trip's rank on its route. Ties go to the first candidate in (route,
  position) order, as in the numpy version.
* transfer phase of round k: ``board[k, s]`` the new board label of ``s`` (INF if not improved)
  and ``board_src[k, s]`` the stop whose round-k arrival it came from (first transfer edge in
  (origin stop, edge) order achieving the minimum). Row 0 of ``board`` holds the access labels.

A trip boarded in round k is always boarded at a stop whose board label improved in round
k − 1, so the board round needed for reconstruction is simply k − 1.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def raptor_rounds(
    n: int,
    pos_stop: np.ndarray,
    pos_route: np.ndarray,
    route_pos_start: np.ndarray,
    pos_ntrips: np.ndarray,
    pos_col_start: np.ndarray,
    can_board: np.ndarray,
    can_alight: np.ndarray,
    times_tm: np.ndarray,
    route_tm_start: np.ndarray,
    dep_key: np.ndarray,
    time_base: int,
    key_stride: int,
    stop_pos_start: np.ndarray,
    stop_pos: np.ndarray,
    tr_start: np.ndarray,
    tr_to: np.ndarray,
    tr_secs: np.ndarray,
    tr_ok: np.ndarray,
    acc_stops: np.ndarray,
    acc_times: np.ndarray,
    eg_stops: np.ndarray,
    eg_secs: np.ndarray,
    max_trips: int,
    target_best0: int,
    cap: int,
    prior: np.ndarray,
    inf: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Rounds 1..max_trips. ``prior`` has max_trips + 2 entries (``inf`` where unknown).

    Returns ``(veh, board, alight_pos, board_pos, rank, board_src, target, target_stop, n_rounds)``;
    ``target``/``target_stop`` have ``n_rounds`` valid entries (round 0 included).
    """
    rows = max_trips + 1
    veh = np.full((rows, n), inf, dtype=np.int64)
    board = np.full((rows, n), inf, dtype=np.int64)
    alight_pos = np.full((rows, n), -1, dtype=np.int64)
    board_pos = np.full((rows, n), -1, dtype=np.int64)
    rank = np.full((rows, n), -1, dtype=np.int64)
    board_src = np.full((rows, n), -1, dtype=np.int64)
    target = np.full(rows, inf, dtype=np.int64)
    target_stop = np.full(rows, -1, dtype=np.int64)

    best_board = np.full(n, inf, dtype=np.int64)
    best_veh = np.full(n, inf, dtype=np.int64)
    marked = np.zeros(n, dtype=np.bool_)
    mlist = np.empty(n, dtype=np.int64)
    for i in range(len(acc_stops)):
        s = acc_stops[i]
        best_board[s] = acc_times[i]
        board[0, s] = acc_times[i]
    n_marked = 0
    for s in range(n):
        if board[0, s] < inf:
            mlist[n_marked] = s
            n_marked += 1

    n_routes = len(route_pos_start) - 1
    route_first = np.full(n_routes, -1, dtype=np.int64)
    routes = np.empty(n_routes, dtype=np.int64)

    target_best = target_best0
    bound = min(target_best, cap)
    target[0] = target_best
    n_rounds = 1
    for k in range(1, max_trips + 1):
        # 1. routes with a boardable position at a marked stop, from their first such position
        n_act = 0
        for i in range(n_marked):
            s = mlist[i]
            marked[s] = True
            for j in range(stop_pos_start[s], stop_pos_start[s + 1]):
                p = stop_pos[j]
                if not can_board[p]:
                    continue
                r = pos_route[p]
                f = route_first[r]
                if f < 0:
                    routes[n_act] = r
                    n_act += 1
                    route_first[r] = p
                elif p < f:
                    route_first[r] = p
        act = np.sort(routes[:n_act])
        thr = min(bound, prior[k])
        vk = veh[k]
        # 2./3. scan each route: alight with the trip in use, then board an earlier trip if possible
        for i in range(n_act):
            r = act[i]
            first = route_first[r]
            route_first[r] = -1
            start = route_pos_start[r]
            end = route_pos_start[r + 1]
            length = end - start
            nt = pos_ntrips[first]
            cur = nt
            bpos = -1
            row = 0  # offset of the trip in use's arrival times (trip-major: contiguous along the route)
            for p in range(first, end):
                s = pos_stop[p]
                if cur < nt and can_alight[p]:
                    arr = times_tm[row + p]
                    lim = best_veh[s]
                    if thr < lim:
                        lim = thr
                    if arr < lim:  # best_veh[s] <= vk[s]: includes this round's arrivals
                        vk[s] = arr
                        best_veh[s] = arr
                        alight_pos[k, s] = p
                        board_pos[k, s] = bpos
                        rank[k, s] = cur
                if cur > 0 and marked[s] and can_board[p]:
                    # e = first rank whose dep_key >= key (searchsorted "left" within the column);
                    # only ranks below cur matter: gallop down from cur - 1, then bisect
                    bb = best_board[s] - time_base
                    if bb < 0:
                        bb = 0
                    key = p * key_stride + bb
                    base = pos_col_start[p]
                    hi = base + cur - 1  # dep_key[hi] >= key  <=>  e < cur
                    if dep_key[hi] >= key:
                        step = 1
                        lo = hi - step
                        while lo >= base and dep_key[lo] >= key:
                            hi = lo
                            step <<= 1
                            lo = hi - step
                        if lo < base - 1:
                            lo = base - 1
                        # invariant: dep_key[lo] < key (or lo = base - 1), dep_key[hi] >= key
                        while hi - lo > 1:
                            mid = (lo + hi) >> 1
                            if dep_key[mid] < key:
                                lo = mid
                            else:
                                hi = mid
                        cur = hi - base
                        bpos = p
                        row = route_tm_start[r] + cur * length - start
        # 4. target
        if len(eg_stops):
            jbest = 0
            vbest = vk[eg_stops[0]] + eg_secs[0]
            for j in range(1, len(eg_stops)):
                v = vk[eg_stops[j]] + eg_secs[j]
                if v < vbest:
                    vbest = v
                    jbest = j
            if vbest < target_best:
                target_best = vbest
                bound = min(target_best, cap)
                target_stop[k] = eg_stops[jbest]
        target[k] = target_best
        # 5. transfers: same stop (minimum transfer time) or one footpath
        next_bound = min(bound, prior[k + 1])
        bk = board[k]
        any_marked = False
        for s in range(n):
            t = vk[s]
            if t >= inf:
                continue
            for ei in range(tr_start[s], tr_start[s + 1]):
                if not tr_ok[ei]:
                    continue
                d = tr_to[ei]
                tim = t + tr_secs[ei]
                lim = best_board[d]
                if next_bound < lim:
                    lim = next_bound
                if tim < lim and tim < bk[d]:
                    bk[d] = tim
                    board_src[k, d] = s
        for i in range(n_marked):
            marked[mlist[i]] = False
        n_marked = 0
        for d in range(n):
            if bk[d] < inf:
                best_board[d] = bk[d]
                mlist[n_marked] = d
                n_marked += 1
                any_marked = True
        n_rounds = k + 1
        if not any_marked:
            break
    return veh, board, alight_pos, board_pos, rank, board_src, target, target_stop, n_rounds
