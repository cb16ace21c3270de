from pathlib import Path

import numpy as np
import pytest

from backcare.encoder import EncoderError, MiniLMEncoder, get_encoder, load_vectors, model_files, save_vectors


def test_vectors_have_unit_length_and_rank_paraphrases_first() -> None:
    vectors = get_encoder().encode(
        ["can i put a heating pad on my back", "is heat ok for my lower back", "what is a slipped disc"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_empty_text_gives_a_zero_row_and_no_texts_an_empty_matrix() -> None:
    assert not get_encoder().encode(["   "]).any()
    assert get_encoder().encode([]).shape == (0, 384)


def test_a_tampered_model_file_is_refused(tmp_path: Path) -> None:
    model, tokenizer = model_files()
    fake = tmp_path / "model.onnx"
    fake.write_bytes(model.read_bytes()[:-1] + b"x")
    with pytest.raises(EncoderError, match="sha256"):
        MiniLMEncoder(fake, tokenizer)


def test_texts_the_model_reads_alike_share_one_vector_and_one_run() -> None:
    encoder = get_encoder()
    encoder.forget_recent()
    first = encoder.encode(["Heat OR ice  for a bad back?"])
    runs = []
    original = encoder._run
    encoder._run = lambda texts: runs.append(texts) or original(texts)  # type: ignore[method-assign]
    try:
        again = encoder.encode(["heat or ice for a bad back?"])
    finally:
        del encoder._run
    assert runs == []
    assert np.array_equal(first, again)


def test_saved_vectors_are_used_instead_of_encoding(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    marker = np.zeros(384, dtype=np.float32)
    marker[7] = 1.0
    save_vectors(path, {"a text nobody encodes": marker, "   ": marker})
    assert list(load_vectors(path)) == ["a text nobody encodes"]
    model, tokenizer = model_files()
    encoder = MiniLMEncoder(model, tokenizer, known=load_vectors(path))
    assert np.array_equal(encoder.encode(["A text nobody encodes"])[0], marker)


def test_vectors_of_another_model_or_a_broken_file_are_ignored(tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    np.savez(other, fingerprint=np.array("another model"), texts=np.array(["x"]), vectors=np.ones((1, 384)))
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a numpy file")
    assert load_vectors(other) == {}
    assert load_vectors(broken) == {}
    assert load_vectors(tmp_path / "missing.npz") == {}


def test_the_thread_count_does_not_change_the_vectors() -> None:
    texts = ["can i put a heating pad on my back", "numb between my legs since this morning", "ok"]
    model, tokenizer = model_files()
    one, two = (MiniLMEncoder(model, tokenizer, threads=n).encode(texts) for n in (1, 2))
    assert np.array_equal(one, two)
