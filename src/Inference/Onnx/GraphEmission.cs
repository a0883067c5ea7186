namespace Mae.Cluster.Inference.Onnx;

/// <summary>Which operators a built graph is written with (docs/model.md, "Emission"); part of the graph cache key.</summary>
public enum GraphEmission
{
    /// <summary>
    /// ONNX Runtime's contrib operators (domain <c>com.microsoft</c>) that have kernels on both the CPU and the CUDA
    /// execution providers: <c>MultiHeadAttention</c>, <c>SkipLayerNormalization</c> and <c>BiasGelu</c>.
    /// </summary>
    Fused,

    /// <summary>Standard ONNX operators only (opset 17): LayerNormalization, MatMul/Softmax/MatMul attention, Erf GELU.</summary>
    Plain,
}
