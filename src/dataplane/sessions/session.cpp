#include "dataplane/sessions/session.h"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <thread>

namespace fargo::dataplane::sessions {
namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

Session::Session(asio::any_io_executor executor, Options options)
    : strand_(asio::make_strand(executor)),
      timer_(strand_),
      opt_(std::move(options)),
      channel_(opt_.id,
               DataChannel::Callbacks{
                   [this](std::string f) { Send(std::move(f)); },
                   [this](std::string_view b) {
                     if (!stream_ || exited_ || stream_->Backlogged()) return false;  // not ready: held
                     last_activity_ = SteadyClock::now();
                     stream_->Write(std::string(b));
                     return true;
                   },
                   [this](int rows, int cols) {
                     if (stream_) stream_->Resize(rows, cols);
                   },
                   [this](uint32_t flag) {
                     if (flag == kFlagTerminateSession) Terminate("");
                     else if (stream_ && !exited_) stream_->Flag(flag);
                   },
                   [this](const std::string& error) {
                     if (!error.empty()) return Terminate(error);
                     if (!stream_ && !exited_) OpenStream();
                   }},
               opt_.target ? opt_.target->output_chunk() : kMaxOutputChunk),
      gate_(std::make_shared<OutputGate>(std::max<size_t>(1, opt_.max_output_in_flight))) {
  detached_since_ = SteadyClock::now();
}

Session::~Session() {
  gate_->Close();
  if (stream_) stream_->Close();
}

int64_t Session::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Session::Send(std::string frame) {
  if (peer_) peer_->Send(std::move(frame));
}

void Session::UpdateGate(size_t handed) { gate_->Handed(handed, channel_.unacknowledged_bytes()); }

void Session::OpenStream() {
  std::weak_ptr<Session> weak = shared_from_this();
  SessionTarget::Events ev;
  // The gate is waited on without holding the session, so that a session
  // given up by everyone else can still end (its destructor closes the gate).
  ev.output = [weak, gate = gate_](std::string bytes) {
    size_t n = bytes.size();
    if (!gate->Enter(n)) return;
    auto s = weak.lock();
    if (!s) return;
    asio::post(s->strand_, [s, n, bytes = std::move(bytes)] {
      if (!s->finished_ && !s->exited_) {
        if (s->transcript_.size() < s->opt_.max_transcript) s->transcript_ += bytes;
        s->last_activity_ = SteadyClock::now();
        s->channel_.SendOutput(bytes, s->NowMs());
      }
      s->UpdateGate(n);
    });
  };
  ev.flag = [weak](uint32_t flag) {
    if (auto s = weak.lock())
      asio::post(s->strand_, [s, flag] {
        if (s->finished_ || s->exited_) return;
        s->channel_.SendFlag(flag, s->NowMs());
        s->UpdateGate();
      });
  };
  ev.exited = [weak](int code, std::string error) {
    if (auto s = weak.lock())
      asio::post(s->strand_, [s, code, error = std::move(error)] {
        if (s->exited_) return;
        s->exited_ = true;
        s->gate_->Close();  // output still waiting is dropped
        s->exit_code_ = code;
        if (s->end_message_.empty()) s->end_message_ = error;
        s->end_by_ = SteadyClock::now() + std::chrono::seconds(2);
      });
  };
  ev.ready = [weak] {
    if (auto s = weak.lock())
      asio::post(s->strand_, [s] {
        if (!s->finished_) s->channel_.RetryInput(s->NowMs());
      });
  };
  stream_ = opt_.target->Open(std::move(ev));
  started_ = true;
  last_activity_ = SteadyClock::now();
  channel_.RetryInput(NowMs());  // input that came before the stream
}

void Session::Start() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->ticking_ || self->finished_) return;
    self->ticking_ = true;
    self->Tick();
  });
}

void Session::Attach(std::shared_ptr<SessionPeer> peer, bool exit_code) {
  asio::post(strand_, [self = shared_from_this(), peer = std::move(peer), exit_code]() mutable {
    if (self->finished_) return peer->Close(1000, "session ended");
    if (self->peer_ && self->peer_ != peer) self->peer_->Close(1000, "session resumed elsewhere");
    self->peer_ = std::move(peer);
    self->wants_exit_code_ = exit_code;
    self->channel_.Resend();
    if (!self->stream_ && !self->exited_) {
      if (auto handshake = self->opt_.target->handshake()) {
        if (!self->handshake_started_) {  // the stream opens once the client completed it
          self->handshake_started_ = true;
          self->handshake_by_ = SteadyClock::now() + self->opt_.handshake_timeout;
          self->channel_.StartHandshake(self->NowMs(), *handshake);
          self->UpdateGate();
        }
      } else {
        self->OpenStream();
      }
    }
    if (!self->ticking_) {
      self->ticking_ = true;
      self->Tick();
    }
  });
}

void Session::OnFrame(std::shared_ptr<SessionPeer> from, std::string frame) {
  asio::post(strand_, [self = shared_from_this(), from = std::move(from), frame = std::move(frame)] {
    if (self->finished_ || from != self->peer_) return;
    // Refused frames (garbage) are dropped; the session goes on.
    (void)self->channel_.OnFrame(frame, self->NowMs());
    self->UpdateGate();
    if (self->channel_.overflowing()) self->Terminate("The client does not acknowledge output.");
  });
}

void Session::Detach(std::shared_ptr<SessionPeer> peer) {
  asio::post(strand_, [self = shared_from_this(), peer = std::move(peer)] {
    if (self->peer_ != peer) return;
    self->peer_.reset();
    self->detached_since_ = SteadyClock::now();
  });
}

void Session::Terminate(std::string message) {
  asio::post(strand_, [self = shared_from_this(), message = std::move(message)] {
    if (self->finished_) return;
    if (self->end_message_.empty()) self->end_message_ = message;
    self->gate_->Close();  // the stream's threads never wait for the client again
    if (self->stream_ && !self->exited_) {
      self->stream_->Close();  // `exited` follows, then the usual end
      self->end_by_ = SteadyClock::now() + std::chrono::seconds(5);
      return;
    }
    self->exited_ = true;
    self->end_by_ = SteadyClock::now();
    if (!self->ticking_) {
      self->ticking_ = true;
      self->Tick();
    }
  });
}

void Session::Tick() {
  if (finished_) return;
  auto now = SteadyClock::now();
  channel_.Tick(NowMs());
  if (exited_ && (channel_.all_acknowledged() || now >= end_by_ || !peer_)) return Finish();
  if (started_ && !exited_ && !idle_ending_ && now - last_activity_ > opt_.idle_timeout) {
    idle_ending_ = true;
    Terminate("Your session timed out due to inactivity and has been terminated.");
  }
  if (handshake_started_ && !started_ && !exited_ && !idle_ending_ && now > handshake_by_) {
    idle_ending_ = true;
    Terminate("Handshake timed out. Please ensure that you have the latest version of the session manager plugin.");
  }
  if (!peer_ && now - detached_since_ > opt_.reconnect_grace) {
    end_message_ = "Your session timed out.";
    if (stream_) stream_->Close();
    exited_ = true;
    return Finish();
  }
  timer_.expires_after(std::chrono::milliseconds(50));
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->Tick();
  });
}

void Session::Finish() {
  finished_ = true;
  gate_->Close();
  if (peer_) {
    if (wants_exit_code_ && exit_code_ >= 0) {
      SessionMessage m;
      m.message_type = message_type::kOutputStreamData;
      m.created_date_ms = static_cast<uint64_t>(NowMs());
      m.sequence_number = -1;  // outside the stream: fargo's clients only
      m.message_id = RandomUuid();
      m.payload_type = PayloadType::kExitCode;
      m.payload = "EXIT_CODE: " + std::to_string(exit_code_);
      peer_->Send(EncodeSessionMessage(m));
    }
    peer_->Send(channel_.ClosedFrame(end_message_, NowMs()));
    peer_->Close(1000, "");
    peer_.reset();
  }
  // The stream's thread ends on its own; destroying it joins that thread,
  // which must not happen on an event loop: leave it to a detached thread.
  if (stream_) {
    stream_->Close();
    std::thread([s = std::move(stream_)]() mutable { s.reset(); }).detach();
  }
  timer_.cancel();
  if (opt_.ended) opt_.ended(Ended{opt_.id, exit_code_, std::move(transcript_), started_});
}

}  // namespace fargo::dataplane::sessions
