using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Reference;

public class MaeTensorLayoutTests
{
    [Fact]
    public void BaseLayoutHoldsAsManyParametersAsTheHubCheckpoint()
    {
        // facebook/vit-mae-base's model.safetensors holds 111,907,840 fp32 values.
        var specs = MaeTensorLayout.For(MaeConfig.Base);

        Assert.Equal(111_907_840L, specs.Sum(spec => (long)spec.ElementCount));
        Assert.Equal(specs.Count, specs.Select(spec => spec.Name).Distinct().Count());
    }

    [Fact]
    public void RandomCheckpointFillsEveryTensorOfTheLayout()
    {
        var config = ReferenceTestConfigs.Small;

        var checkpoint = RandomMaeCheckpoint.Create(config, 1);

        var specs = MaeTensorLayout.For(config);
        Assert.Equal(specs.Count, checkpoint.Tensors.Count);
        Assert.All(specs, spec =>
        {
            Assert.Equal(spec.Shape, checkpoint[spec.Name].Shape);
            Assert.Equal(spec.ElementCount, checkpoint[spec.Name].Values.Length);
        });
        Assert.Equal(64, checkpoint.Hash.Length);
    }
}
