from pathlib import Path

import numpy as np
import pytest

from backcare.encoder import EncoderError, MiniLMEncoder, get_encoder, model_files


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
