# micro_speech computes its features on the board with the audio front end.
target_link_libraries(boardtwin PRIVATE bt_frontend)
