// The photo gallery for real CLIP models: scikit-image's sample photos (CC0 / public domain),
// which setup installs with Debian's python3-skimage and scripts/build.sh copies to
// build/gallery (served at gallery/). Captions are the descriptions from OpenAI's
// "Interacting with CLIP" notebook.
export const SKIMAGE_PHOTOS = [
  { file: 'chelsea.png', caption: 'a facial photo of a tabby cat', credit: 'Stefan van der Walt, CC0', labels: ['cat', 'dog', 'rug', 'sweet pepper'] },
  { file: 'astronaut.png', caption: 'a portrait of an astronaut with the American flag', credit: 'Eileen Collins, NASA, public domain', labels: ['astronaut', 'pilot', 'flag', 'rocket'] },
  { file: 'rocket.jpg', caption: 'a rocket standing on a launchpad', credit: 'SpaceX, public domain', labels: ['rocket', 'tower', 'airplane', 'lighthouse'] },
  { file: 'coffee.png', caption: 'a cup of coffee on a saucer', credit: 'Rachel Michetti, CC0', labels: ['coffee', 'tea', 'soup', 'a cup'] },
  { file: 'horse.png', caption: 'a black-and-white silhouette of a horse', credit: 'openclipart, CC0', labels: ['horse', 'dog', 'cow', 'silhouette'] },
  { file: 'camera.png', caption: 'a person looking at a camera on a tripod', credit: 'Lav Varshney, CC0', labels: ['camera', 'photographer', 'telescope', 'tripod'] },
  { file: 'motorcycle_right.png', caption: 'a red motorcycle standing in a garage', credit: 'scikit-image sample data, CC0', labels: ['motorcycle', 'bicycle', 'car', 'scooter'] },
  { file: 'page.png', caption: 'a page of text about segmentation', credit: 'scikit-image sample data, CC0', labels: ['a page of text', 'a photo', 'a diagram', 'a map'] },
  { file: 'hubble_deep_field.jpg', caption: 'the Hubble deep field: galaxies in the night sky', credit: 'NASA, public domain', labels: ['galaxies', 'stars', 'fireworks', 'city lights'] },
];
