"""LSTM sentence encoder and latent-conditioned LSTM decoder of the NVRNN (Xu & Durrett 2018, §4)
and of the sentence autoencoders of Bahuleyan et al. (2019).

Both run nn.LSTM over whole padded batches (cuDNN on GPU, no per-token Python loop); the
encoder packs the sequences so that padding never enters its final state. The encoder reads a
batch's ``source`` and the decoder predicts its ``target``: the same sentences for an autoencoder,
context and reply for a dialogue pair (``vaezoo.data.batching.PairBatch``).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from vaezoo.data.batching import TextBatch
from vaezoo.data.vocab import BOS, EOS, PAD

SETTINGS = ("standard", "inputless")
FINAL_STATES = ("hidden_cell", "hidden")
INIT_STATE_ACTIVATIONS = {"none": nn.Identity, "tanh": nn.Tanh}


def mean_word_embedding(tokens: torch.Tensor, embedding: nn.Embedding) -> torch.Tensor:
    """BoW = (1/n) sum_i e(x_i) over the n words of each sentence (Xu & Durrett 2018, §6);
    <bos>, <eos> and padding are not words. tokens [batch, time] -> [batch, embedding_dim]."""
    words = ((tokens != PAD) & (tokens != BOS) & (tokens != EOS)).unsqueeze(-1)
    return (embedding(tokens) * words).sum(1) / words.sum(1).clamp_min(1)


class SentenceEncoder(nn.Module):
    """Words w_1..w_n <eos> -> features: the last layer's final hidden and cell states, concatenated
    (both directions when bidirectional), or the hidden state alone.

    Xu & Durrett (§4) fix a one-layer unidirectional LSTM with embeddings of 100 and 400 hidden
    units; the summary vector is unstated, and (h, c) follows the authors' public code. Bahuleyan
    et al. (2019, §2) take "the hidden state of the last word" (``final_state: hidden``).
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 100, hidden_size: int = 400, num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0, final_state: str = "hidden_cell") -> None:
        super().__init__()
        if final_state not in FINAL_STATES:
            raise ValueError(f"SentenceEncoder: final_state={final_state!r} is not one of {list(FINAL_STATES)}")
        self.final_state = final_state
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional)
        self.out_features = len(final_state.split("_")) * hidden_size * (2 if bidirectional else 1)

    def forward(self, x: TextBatch) -> torch.Tensor:
        x = x.source
        words = self.dropout(self.embedding(x.tokens[:, 1:]))
        packed = pack_padded_sequence(words, (x.lengths - 1).cpu(), batch_first=True, enforce_sorted=False)
        _, (h, c) = self.lstm(packed)
        directions = 2 if self.lstm.bidirectional else 1
        last = slice(h.shape[0] - directions, h.shape[0])
        states = (h, c) if self.final_state == "hidden_cell" else (h,)
        return torch.cat([s[last].transpose(0, 1).flatten(1) for s in states], dim=-1)


class WordDropout(nn.Module):
    """Replaces each decoder input word by ``<pad>`` (a zero embedding) with probability ``rate``
    while training (Bowman et al. 2016; Bahuleyan et al. 2019 §3 raise it during training: the
    ``vaezoo.callbacks.WordDropoutSchedule`` callback sets ``rate``). ``<bos>`` is kept."""

    def __init__(self, rate: float = 0.0) -> None:
        super().__init__()
        self.rate = rate

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate <= 0:
            return tokens
        dropped = (torch.rand(tokens.shape, device=tokens.device) < self.rate) & (tokens != BOS)
        return tokens.masked_fill(dropped, PAD)


class SentenceDecoder(nn.Module):
    """p(w_1..w_n <eos> | z): an LSTM fed z at every step (Xu & Durrett 2018, §4).

    ``standard``: the step input is [embedding of the previous word; z]; ``inputless``: [z] alone,
    so the words must come from the code. With ``label_classes`` > 0 a ``label_dim`` embedding of
    the label (the Yelp rating) joins every step's input (§4). With ``bow_input`` the mean word
    embedding of the sentence joins it too: the NVRNN-BoW of §6 (Table 5), which shares the
    decoder's word embeddings when it has them. ``z_init_state``: the initial (h, c) are linear
    maps of z, as in the authors' code (the paper is silent); ``init_state_activation: tanh``
    squashes them, the tanh(MLP(z)) of Qian & Cheung (§5.2).

    Args:
        vocab_size, embedding_dim, hidden_size: sizes (§4: 100 and 400).
        latent_dim: length of z (0: an RNN language model with no code).
        dropout: on the word embeddings and on the LSTM output before the softmax.
        word_dropout: initial rate of ``WordDropout`` on the input words.
    """

    def __init__(self, vocab_size: int, latent_dim: int, embedding_dim: int = 100, hidden_size: int = 400,
                 setting: str = "standard", z_init_state: bool = True, label_classes: int = 0, label_dim: int = 50,
                 bow_input: bool = False, dropout: float = 0.0, word_dropout: float = 0.0,
                 init_state_activation: str = "none") -> None:
        super().__init__()
        if setting not in SETTINGS:
            raise ValueError(f"SentenceDecoder: setting={setting!r} is not one of {list(SETTINGS)}")
        if init_state_activation not in INIT_STATE_ACTIVATIONS:
            raise ValueError(f"SentenceDecoder: init_state_activation={init_state_activation!r} is not one of "
                             f"{list(INIT_STATE_ACTIVATIONS)}")
        self.init_state_activation = INIT_STATE_ACTIVATIONS[init_state_activation]()
        self.setting, self.latent_dim = setting, latent_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD) if setting == "standard" else None
        self.label_embedding = nn.Embedding(label_classes, label_dim) if label_classes > 0 else None
        self.bow_embedding = None
        if bow_input:
            self.bow_embedding = self.embedding or nn.Embedding(vocab_size, embedding_dim, padding_idx=PAD)
        step_inputs = (embedding_dim if self.embedding is not None else 0) + latent_dim + \
            (label_dim if self.label_embedding is not None else 0) + (embedding_dim if bow_input else 0)
        # With neither words, code nor label (the inputless RNN language model) every step reads the
        # constant 1: the LSTM can still count positions.
        self.constant_input = step_inputs == 0
        self.lstm = nn.LSTM(max(step_inputs, 1), hidden_size, batch_first=True)
        self.init_state = nn.Linear(latent_dim, 2 * hidden_size) if z_init_state and latent_dim > 0 else None
        self.dropout = nn.Dropout(dropout)
        self.word_dropout = WordDropout(word_dropout)
        self.output = nn.Linear(hidden_size, vocab_size)

    def _initial_state(self, z: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor] | None:
        if self.init_state is None:
            return None
        h0, c0 = self.init_state_activation(self.init_state(z)).chunk(2, dim=-1)
        return h0.unsqueeze(0).contiguous(), c0.unsqueeze(0).contiguous()

    def forward(self, x: TextBatch, z: torch.Tensor | None) -> torch.Tensor:
        """Logits [rows, time - 1, vocab] of tokens 1.. given tokens ..T-1; z: [rows, latent_dim],
        where rows is a multiple of the batch (several codes per sentence: the batch repeats)."""
        x = x.target
        rows, steps = (z.shape[0] if z is not None else len(x)), x.tokens.shape[1] - 1
        repeat = rows // len(x)
        parts = []
        if self.embedding is not None:
            inputs = self.word_dropout(x.tokens[:, :-1])
            parts.append(self.dropout(self.embedding(inputs)).repeat(repeat, 1, 1))
        if z is not None and self.latent_dim > 0:
            parts.append(z.unsqueeze(1).expand(rows, steps, self.latent_dim))
        if self.label_embedding is not None:
            label = self.label_embedding(x.labels).repeat(repeat, 1)
            parts.append(label.unsqueeze(1).expand(rows, steps, label.shape[-1]))
        if self.bow_embedding is not None:
            bow = mean_word_embedding(x.tokens, self.bow_embedding).repeat(repeat, 1)
            parts.append(bow.unsqueeze(1).expand(rows, steps, bow.shape[-1]))
        if self.constant_input:
            parts.append(x.tokens.new_ones(rows, steps, 1, dtype=torch.float32))
        hidden, _ = self.lstm(torch.cat(parts, dim=-1), self._initial_state(z))
        return self.output(self.dropout(hidden))

    @torch.no_grad()
    def generate(self, z: torch.Tensor, max_words: int, greedy: bool = True) -> torch.Tensor:
        """Sentences decoded from codes z [rows, latent_dim]: ``<bos> w_1 .. <eos>`` padded with
        ``<pad>`` [rows, <= max_words + 2]; each word the most probable one (``greedy``) or drawn
        from the softmax. A sentence without ``<eos>`` after ``max_words`` words is cut there."""
        if self.embedding is None or self.label_embedding is not None or self.bow_embedding is not None:
            raise ValueError("SentenceDecoder.generate: only the standard setting without label or BoW inputs "
                             "decodes word by word")
        rows = z.shape[0]
        token = torch.full((rows,), BOS, dtype=torch.long, device=z.device)
        out, state = [token], self._initial_state(z)
        finished = torch.zeros(rows, dtype=torch.bool, device=z.device)
        for _ in range(max_words + 1):
            step = torch.cat([self.embedding(token), z], dim=-1).unsqueeze(1)
            hidden, state = self.lstm(step, state)
            logits = self.output(hidden[:, 0])
            token = logits.argmax(-1) if greedy else torch.distributions.Categorical(logits=logits).sample()
            token = token.masked_fill(finished, PAD)
            out.append(token)
            finished |= token == EOS
            if finished.all():
                break
        tokens = torch.stack(out, dim=1)
        unfinished = ~finished
        if unfinished.any():  # cut at max_words: close the sentence
            tokens = torch.cat([tokens, tokens.new_full((rows, 1), PAD)], dim=1)
            tokens[unfinished, -1] = EOS
        return tokens

    def log_likelihood(self, x: TextBatch, z: torch.Tensor | None) -> torch.Tensor:
        """log p(tokens 1.. | z) summed over each sentence's words and <eos>: [rows]."""
        logits = self.forward(x, z)
        repeat = logits.shape[0] // len(x)
        targets = x.target.tokens[:, 1:].repeat(repeat, 1)
        nll = nn.functional.cross_entropy(logits.transpose(1, 2), targets, ignore_index=PAD, reduction="none")
        return -nll.sum(-1)
