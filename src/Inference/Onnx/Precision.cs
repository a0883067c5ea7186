namespace Mae.Cluster.Inference.Onnx;

/// <summary>Numeric precision of a built graph's weights and activations.</summary>
public enum Precision
{
    /// <summary>Everything in fp32.</summary>
    Fp32,

    /// <summary>Weights and matrix products in fp16; layernorm, softmax and the loss in fp32.</summary>
    Fp16,
}
