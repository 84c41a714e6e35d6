# hnsp_events: Ansible notification callback that writes the run as JSON events, one per line, to the
# file descriptor named by HNSP_EVENTS_FD, for the hnsp-installer engine to parse while the run goes on.
#
# The engine enables this plugin next to the normal stdout callback (which stays the human log).
# Schema (every event also has "event" and "ts", unix time as a float); docs/ holds the full text:
#   playbook_start  playbook                                 (absolute path)
#   play_start      play, hosts[], tasks_total               (one per serial batch; tasks_total is an
#                                                             estimate, see _count_tasks)
#   task_start      play, task, action, path, index          (index: 1-based within the play; may pass
#                                                             tasks_total when include_* brings tasks)
#   handler_start   play, task, action, path, index          (index: 1-based among the play's handlers)
#   host_result     host, task, index, handler, status, changed, duration_ms, msg, rc, stdout_tail,
#                   stderr_tail, ignored                     (index/handler name the start it belongs to,
#                                                             index 0 if none was seen; changed is also
#                                                             true on a failed result that changed)
#   stats           hosts{host: {ok, changed, failed, unreachable, skipped, rescued, ignored}}
#                                                            (Ansible's recap: ok counts changed too)
# Secrets: results of no_log tasks carry no content ("msg" is NO_LOG_MSG, tails empty, rc null), and no
# variable, module argument or loop item is ever written; only names, paths, statuses and counts.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
    name: hnsp_events
    type: notification
    short_description: write the run as JSON events, one per line, to an inherited file descriptor
    description:
      - Writes one JSON object per line to the file descriptor whose number is in the environment
        variable HNSP_EVENTS_FD, flushed line by line. Does nothing when the variable is unset.
      - A bad descriptor is reported once on stderr; the run itself goes on.
      - Results of no_log tasks are written without any output of the task.
    requirements:
      - enable in ansible.cfg with callbacks_enabled = hnsp_events
'''

import errno
import fcntl
import json
import os
import time

from ansible import constants as C
from ansible import context
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.playbook.block import Block
from ansible.plugins.callback import CallbackBase

ENV_FD = 'HNSP_EVENTS_FD'
NO_LOG_MSG = '(output hidden by no_log)'
TAIL_LINES = 20
TAIL_BYTES = 4096
MSG_BYTES = 4096


def _text(value):
    """A str that is valid UTF-8 with no NUL: jansson refuses lone surrogates and, by default, \\u0000."""
    if value is None:
        return ''
    if not isinstance(value, str):
        try:
            value = json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError):
            value = str(value)
    # Undecodable bytes reach us as lone surrogates; 'replace' turns them into '?'.
    return value.encode('utf-8', 'replace').decode('utf-8').replace('\0', '')


def _cap_bytes(s, limit, keep_end):
    """Cut s to at most limit UTF-8 bytes, keeping its end (tails) or its start (messages)."""
    b = s.encode('utf-8')
    if len(b) <= limit:
        return s
    b = b[-limit:] if keep_end else b[:limit]
    # The cut may split a character; 'ignore' drops the partial one.
    return b.decode('utf-8', 'ignore')


def _tail(value):
    """The last TAIL_LINES lines, at most TAIL_BYTES bytes, of a command's output."""
    s = _text(value).rstrip('\n')
    if not s:
        return ''
    return _cap_bytes('\n'.join(s.split('\n')[-TAIL_LINES:]), TAIL_BYTES, keep_end=True)


def _is_include(task):
    return task.action in C._ACTION_ALL_INCLUDES


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'hnsp_events'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._fd = None
        self._play_name = ''
        self._task_index = 0       # task_start events sent in the current play
        self._handler_index = 0    # handler_start events sent in the current play
        self._tasks = {}           # task uuid -> (name, index, is_handler), for host_result
        self._per_host_starts = False  # the play's strategy is a free one (announces per host)
        self._last_uuid = None     # task announced last, to fold a linear per-host announcement
        self._task_started = {}    # task uuid -> time of its task_start, fallback start of a host's run
        self._host_started = {}    # (host, task uuid) -> time the worker for that host was queued
        self._open_fd()

    # ---- output channel

    def _open_fd(self):
        raw = os.environ.get(ENV_FD)
        if raw is None or raw == '':
            return
        try:
            fd = int(raw)
            if fd < 0:
                raise ValueError(raw)
        except ValueError:
            self._fail('%s=%r is not a file descriptor number' % (ENV_FD, raw))
            return
        try:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        except OSError as e:
            self._fail('%s=%d: %s' % (ENV_FD, fd, os.strerror(e.errno)))
            return
        if flags & os.O_ACCMODE == os.O_RDONLY:
            self._fail('%s=%d is open read-only' % (ENV_FD, fd))
            return
        self._fd = fd

    def _fail(self, why):
        # Said once: after this the plugin is off, and the engine sees the events stop.
        self._display.error('hnsp_events: %s; no events will be written' % why, wrap_text=False)
        self._fd = None

    def _emit(self, event, **fields):
        if self._fd is None:
            return
        obj = {'event': event, 'ts': time.time()}
        obj.update(fields)
        line = (json.dumps(obj, ensure_ascii=False, separators=(',', ':')) + '\n').encode('utf-8')
        # One os.write per line, looping on short writes: no Python buffer to flush, and a
        # reader never sees half a line from an interrupted run.  Ansible serialises callback
        # calls (send_callback holds a lock), so lines never interleave.
        try:
            while line:
                n = os.write(self._fd, line)
                line = line[n:]
        except OSError as e:
            what = 'the reader went away' if e.errno == errno.EPIPE else os.strerror(e.errno)
            self._fail('writing to %s=%s: %s' % (ENV_FD, os.environ.get(ENV_FD), what))

    # ---- playbook and play

    def v2_playbook_on_start(self, playbook):
        self._emit('playbook_start', playbook=_text(os.path.abspath(playbook._file_name)))

    def v2_playbook_on_play_start(self, play):
        # With serial, Ansible starts the play once per batch; each batch is a new play_start
        # whose hosts are that batch (the executor restricts the inventory to it first).
        self._play_name = _text(play.get_name())
        self._task_index = 0
        self._handler_index = 0
        self._tasks.clear()
        self._task_started.clear()
        self._host_started.clear()
        self._last_uuid = None
        strategy = play.strategy or C.DEFAULT_STRATEGY
        self._per_host_starts = strategy.rsplit('.', 1)[-1] in ('free', 'host_pinned')
        hosts = []
        try:
            inventory = play.get_variable_manager()._inventory
            hosts = [_text(h.name) for h in inventory.get_hosts(play.hosts, order=play.order)]
        except Exception:  # a private API: an empty list is better than no event
            pass
        self._emit('play_start', play=self._play_name, hosts=hosts,
                   tasks_total=self._count_tasks(play, hosts))

    def _count_tasks(self, play, hosts):
        """Estimate how many tasks the play runs per host, i.e. how many task_start events it sends.

        Counted: fact gathering when it is on (with gathering=smart, unless every host has cached
        facts: the iterator then skips it), then pre_tasks, roles (with dependencies), tasks and
        post_tasks, each block's block and always parts, filtered by --tags/--skip-tags; a meta task
        written in the play counts (it sends task_start, though no result unless skipped), the
        implicit ones Ansible adds do not.  Not known in advance, so not counted: tasks brought in
        by include_* (the include counts as 1), rescue parts and handlers.  A failure, end_play or
        a role that runs once for several listings makes the real count smaller.
        """
        only_tags = context.CLIARGS.get('tags') or ['all']
        skip_tags = context.CLIARGS.get('skip_tags') or []
        total = 0

        # The same decision as PlayIterator makes per host.
        gathering = C.DEFAULT_GATHERING
        asked = play.gather_facts is not None and boolean(play.gather_facts, strict=False)
        implied = play.gather_facts is None or asked
        if gathering == 'smart' and implied:
            try:
                cache = play.get_variable_manager()._fact_cache
                implied = not hosts or not all(cache.get(h, {}).get('_ansible_facts_gathered') for h in hosts)
            except Exception:  # a private API: assume facts are gathered
                pass
        if (gathering in ('implicit', 'smart') and implied) or (gathering == 'explicit' and asked):
            total += 1  # the setup task is tagged 'always', so tags don't remove it

        def walk(items):
            n = 0
            for item in items or []:
                if isinstance(item, Block):
                    n += walk(item.block) + walk(item.always)
                    continue
                if getattr(item, 'implicit', False):
                    continue
                try:
                    if not item.evaluate_tags(only_tags, skip_tags, all_vars={}):
                        continue
                except Exception:  # tags templated from variables: count the task
                    pass
                n += 1
            return n

        roles = []
        try:
            roles = play._compile_roles()  # private, but the same call the play iterator makes
        except Exception:
            pass
        for part in (play.pre_tasks, roles, play.tasks, play.post_tasks):
            total += walk(part)
        return total

    # ---- tasks

    def _task_start(self, task, is_handler):
        # The free strategies announce a task once per host: the first announcement counts.  The
        # linear one announces a task once, but meta tasks once per host, back to back; the same
        # task may also run again later (a handler flushed twice, a role listed twice), which is
        # a new start.
        if task._uuid == self._last_uuid or (self._per_host_starts and task._uuid in self._tasks):
            return
        self._last_uuid = task._uuid
        if is_handler:
            self._handler_index += 1
            index = self._handler_index
        else:
            self._task_index += 1
            index = self._task_index
        # Named now: the strategy templates the name just for this call (the human log shows the
        # same), and the result callbacks only see the raw template.
        name = _text(task.get_name())
        self._tasks[task._uuid] = (name, index, is_handler)
        self._task_started[task._uuid] = time.time()
        self._emit('handler_start' if is_handler else 'task_start',
                   play=self._play_name, task=name,
                   action=_text(getattr(task, 'resolved_action', None) or task.action),
                   path=_text(task.get_path()), index=index)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task, False)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, True)

    def v2_runner_on_start(self, host, task):
        # Sent when the worker for this host is queued: with more hosts than forks, later hosts
        # start well after task_start, so their durations are measured from here.
        self._host_started[(host.get_name(), task._uuid)] = time.time()

    # ---- results

    def v2_runner_on_ok(self, result):
        self._result(result, 'changed' if result._result.get('changed') else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, 'failed', ignored=bool(ignore_errors))

    def v2_runner_on_unreachable(self, result):
        ignored = bool(result._task_fields.get('ignore_unreachable') or result._task.ignore_unreachable)
        self._result(result, 'unreachable', ignored=ignored)

    def v2_runner_on_skipped(self, result):
        self._result(result, 'skipped')

    def _result(self, result, status, ignored=False):
        task = result._task
        host = result._host.get_name()
        name, index, is_handler = self._tasks.get(task._uuid, (_text(task.get_name()), 0, False))
        started = self._host_started.pop((host, task._uuid), None) or self._task_started.get(task._uuid)
        duration_ms = int(round((time.time() - started) * 1000)) if started else 0

        if _hidden(result):
            msg, rc, out, err = NO_LOG_MSG, None, '', ''
        else:
            msg, rc, out, err = _content(result._result, status)

        # 'changed' survives no_log censoring, and a failed task may have changed things first
        # (Ansible's recap counts those when the failure is ignored).
        changed = bool(result._result.get('changed'))
        self._emit('host_result', host=_text(host), task=name, index=index, handler=is_handler,
                   status=status, changed=changed, duration_ms=duration_ms, msg=msg, rc=rc,
                   stdout_tail=out, stderr_tail=err, ignored=ignored)

    # ---- end of run

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for h in sorted(stats.processed.keys()):
            s = stats.summarize(h)
            # Ansible's own recap numbers: 'ok' counts every successful result, changed ones too.
            hosts[_text(h)] = {'ok': s['ok'], 'changed': s['changed'], 'failed': s['failures'],
                               'unreachable': s['unreachable'], 'skipped': s['skipped'],
                               'rescued': s['rescued'], 'ignored': s['ignored']}
        self._emit('stats', hosts=hosts)


def _hidden(result):
    """True when any sign says the result is under no_log; when in doubt, hide.

    The copy we are handed is already censored when Ansible knows the task is no_log (only
    'censored' and a few flags are left), but a no_log templated per loop item only marks the
    items, and a no_log still a template string in this process is only resolved in the worker.
    """
    resolved = result._task_fields.get('no_log')
    declared = getattr(result._task, 'no_log', None)
    if resolved is True or declared is True:
        return True
    if isinstance(declared, str) and not isinstance(resolved, bool):
        return True
    r = result._result
    if r.get('_ansible_no_log') or 'censored' in r:
        return True
    for item in r.get('results') or []:
        if isinstance(item, dict) and (item.get('_ansible_no_log') or 'censored' in item):
            return True
    return False


def _content(r, status):
    """msg, rc, stdout tail and stderr tail of a result; a loop's items are folded into one."""
    items = [i for i in (r.get('results') or []) if isinstance(i, dict)]
    msg = r.get('msg')
    if items:
        # A loop: the summary msg ('All items completed', 'One or more items failed') says less
        # than the first failing item's own msg.  Item labels are variable values: never used.
        failing = [i for i in items if i.get('failed') or i.get('unreachable')]
        if status in ('failed', 'unreachable') and failing and failing[0].get('msg'):
            msg = failing[0].get('msg')
        rcs = [i['rc'] for i in items if isinstance(i.get('rc'), int) and not isinstance(i['rc'], bool)]
        rc = next((x for x in rcs if x != 0), rcs[-1] if rcs else None)
        out = '\n'.join(_text(i.get('stdout') or i.get('module_stdout')).rstrip('\n') for i in items
                        if i.get('stdout') or i.get('module_stdout'))
        err = '\n'.join(_text(i.get('stderr') or i.get('module_stderr')).rstrip('\n') for i in items
                        if i.get('stderr') or i.get('module_stderr'))
    else:
        rc = r.get('rc')
        if not isinstance(rc, int) or isinstance(rc, bool):
            rc = None
        # A module that crashed (MODULE FAILURE) leaves its output in module_stdout/module_stderr.
        out = r.get('stdout') or r.get('module_stdout')
        err = r.get('stderr') or r.get('module_stderr')
    if not msg and status == 'skipped':
        msg = r.get('skip_reason')
    # ssh errors end in '\r\n'; a message is one paragraph without trailing blanks.
    return _cap_bytes(_text(msg).rstrip(), MSG_BYTES, keep_end=False), rc, _tail(out), _tail(err)
